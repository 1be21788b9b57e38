// Models offered when picking one to benchmark: ONNX conversions on the Hugging Face hub that
// transformers.js loads (the original PyTorch repositories have no ONNX files), paired the way
// the study paired them: a larger model and a smaller one of the same task.
import type { Task } from './tasks';

export interface SuggestedModel {
  id: string;
  /** Millions of parameters, as the original model card gives them. */
  paramsM: number;
  note: string;
}

export const SUGGESTED_MODELS: Record<Task, SuggestedModel[]> = {
  'image-classification': [
    { id: 'Xenova/vit-base-patch16-224', paramsM: 86, note: "ViT-Base/16, ImageNet-1k (the study's ViT)" },
    { id: 'Xenova/resnet-50', paramsM: 26, note: 'ResNet-50, ImageNet-1k' },
    { id: 'Xenova/mobilevit-small', paramsM: 5.6, note: 'MobileViT-S, ImageNet-1k' },
  ],
  'image-to-text': [
    { id: 'Xenova/trocr-base-printed', paramsM: 334, note: 'TrOCR-Base, printed text' },
    { id: 'Xenova/trocr-small-printed', paramsM: 62, note: 'TrOCR-Small, printed text' },
  ],
  summarization: [
    {
      id: 'Xenova/bart-large-cnn',
      paramsM: 406,
      note: "BART-Large fine-tuned on CNN/DailyMail (the study's summariser)",
    },
    { id: 'Xenova/distilbart-cnn-12-6', paramsM: 306, note: 'DistilBART 12-6, CNN/DailyMail' },
    { id: 'Xenova/distilbart-cnn-6-6', paramsM: 230, note: 'DistilBART 6-6, CNN/DailyMail' },
  ],
  // ONNX exports in Optimum's component layout (text_encoder/, unet/, vae_decoder/, tokenizer/, scheduler/).
  'text-to-image': [
    {
      id: 'onnx-community/stable-diffusion-v1-5-ONNX',
      paramsM: 1066,
      note: "Stable Diffusion 1.5, 512x512 (one of the study's three)",
    },
    { id: 'onnx-community/sd-turbo-ONNX', paramsM: 1300, note: 'SD-Turbo (distilled SD 2.1): 1-4 steps, no guidance' },
  ],
  // Decoder-only models in transformers.js's layout (onnx/model*.onnx with past key values);
  // fp16, q4 and q4f16 files beside fp32.
  'text-generation': [
    { id: 'onnx-community/Qwen2.5-1.5B-Instruct', paramsM: 1540, note: 'Qwen2.5 1.5B Instruct' },
    { id: 'onnx-community/Qwen2.5-0.5B-Instruct', paramsM: 494, note: 'Qwen2.5 0.5B Instruct' },
    { id: 'onnx-community/Llama-3.2-1B-Instruct', paramsM: 1230, note: 'Llama 3.2 1B Instruct' },
    { id: 'HuggingFaceTB/SmolLM2-1.7B-Instruct', paramsM: 1711, note: 'SmolLM2 1.7B Instruct' },
    { id: 'HuggingFaceTB/SmolLM2-360M-Instruct', paramsM: 362, note: 'SmolLM2 360M Instruct' },
  ],
};
